"""Names vulture cannot see being used: called by a framework, read as data, or kept on
purpose. dev.py lint runs `vulture mdt_desktop tests vulture_whitelist.py`.

Keep it short: a name belongs here only when something outside Python's own calls uses
it. Anything else vulture finds is dead and goes.
"""

# Qt calls these overrides itself.
_.eventFilter
_.validatePage
_.initializePage

# SQLAlchemy: type decorator hooks and the column types the schema uses (schema.py is
# not scanned: its columns are data, read and written by name through the ORM and SQL).
_.process_bind_param
_.process_result_value
cache_ok
UTCDateTime
JSONDoc
_on_connect  # an engine "connect" event listener
_.resolved_by  # ORM attributes written for the audit trail and sync
_.destination_version
_.reconciled_by
_.reconciled_version_id
_.notice_sent_on
_.paused_admission_id
_.last_login_at

# Vocabulary members and labels: stored values the CHECK constraints list and the GUI
# shows, even where no Python line names them.
WITHDRAWN
SOON
CASE_FINDING
MANUAL
DISCHARGE
EXTERNAL
SOURCE_LABELS
STEP_UP
LEFT
GIVEN
_._value_  # how an Enum member records its value

# Fields of answers read by the GUI, the CLI or a client rather than by name in Python.
base_text  # care-plan merge conflict: shown in the merge dialog
token_type  # OAuth token response
expires_in
reset_reason  # pull response
skipped_own
stepped_down  # the demo's summary
discharged_recently
demo_step  # a feature's pointer to its demo step, for readers and docs
effective_from  # a delay-reason scheme's dates, from its code table
care_plan_version_id  # the version a discharge summary is set beside
posted_by  # a ledger row's author, shown in statements and the CLI
paused_on  # when a budget line was paused for a hospital stay
DEFAULT_RECONSIDERATION_DAYS  # the notice's stated time limit, from the regulations

# The sync client's sign-out, for the session work on the server side.
_.sign_out

# Found dead in gui/ and left for its rewrite into feature packages.
_.patient_filter
cancel_all
_.team_menu
_.staff_action
_._scale
_.outcome_dialog
_.action_dialog
_.last_export
_.export_pdf_action
_.export_large_action
_.export_fhir_action

# Tests: pytest and keyring find these by name.
pytest_plugins
pytestmark  # pytest reads a module's marks by this name
_.delete_password
_.import_store
font_dict
compare_to
reflected
no_keyring  # a fixture asked for by parameter, for its effect
_.should_exit  # uvicorn's server stops when this is set
_.optionxform  # configparser keeps keys' case
minimumSizeHint  # Qt asks a widget for it when laying out
