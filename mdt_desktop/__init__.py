"""MDT Desktop: software for neighbourhood multidisciplinary teams."""

__version__ = "0.1.0"
