"""dxtrack: are Vietnam's provinces on course for their digital-transformation targets?"""

__version__ = "0.1.0"
