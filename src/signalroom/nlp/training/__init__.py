"""Training code for the NLP models that ship in the package.

Run offline by developers (``scripts/train_sentiment.py``), never by the running product:
it needs the optional ``train`` extra (scikit-learn), imported inside the functions that
use it, so importing this package costs nothing and needs nothing beyond numpy.
"""

from signalroom.nlp.training.sentiment import TrainingConfig, train_sentiment

__all__ = ["TrainingConfig", "train_sentiment"]
