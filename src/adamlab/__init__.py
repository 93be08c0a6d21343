"""adamlab: train and understand small neural networks with Adam and its family, in NumPy."""

__version__ = "0.1.0"
