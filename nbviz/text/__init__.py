"""Character-level recurrent networks and what their cells track.

The compute half of the RNN cell viewer, usable from a script:

* :class:`CharRNN` (:mod:`~nbviz.text.model`): an LSTM or GRU language model over
  characters;
* :func:`record` (:mod:`~nbviz.text.record`): every layer's hidden state, cell state and
  gates at every character of a text (:class:`Recording`);
* :func:`tracks` (:mod:`~nbviz.text.tracks`): hypotheses computed from the text (inside a
  string, bracket depth, position in the line, ...);
* :func:`track_correlations`, :func:`saturation`, :func:`span_scores`
  (:mod:`~nbviz.text.cells`): which cells follow which track, gate saturation, and
  LSTMVis's ranking for a brushed span;
* :func:`train_char_rnn`, :func:`char_rnn` (cached), :func:`sample`
  (:mod:`~nbviz.text.training`): truncated backpropagation through time, with snapshots;
* :func:`char_attribution` (:mod:`~nbviz.text.attribution`): which earlier characters
  carried the evidence for a predicted one (Captum, on the embeddings).
"""

from .attribution import TEXT_METHODS, CharAttribution, char_attribution
from .cells import saturation, shown_states, span_scores, track_correlations
from .model import CELLS, CharRNN
from .record import GATES, Recording, record
from .tracks import PROSE_TRACKS, PYTHON_TRACKS, TRACKS, python_tracks, tracks
from .training import TextTrainResult, char_rnn, sample, train_char_rnn, validation_bits

__all__ = [
    "CELLS",
    "GATES",
    "PROSE_TRACKS",
    "PYTHON_TRACKS",
    "TEXT_METHODS",
    "TRACKS",
    "CharAttribution",
    "CharRNN",
    "Recording",
    "TextTrainResult",
    "char_attribution",
    "char_rnn",
    "python_tracks",
    "record",
    "sample",
    "saturation",
    "shown_states",
    "span_scores",
    "track_correlations",
    "tracks",
    "train_char_rnn",
    "validation_bits",
]
