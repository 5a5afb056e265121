"""NBF Studio application layer: Qt (QtCore/QtGui) but no widgets.

Session state, the controller, background workers and helpers live here; the views in
`widgets/` subscribe to them. Dependency direction: widgets -> app -> inference.
Importing this package does not import torch; only `app.controller` and the workers'
predictor factories pull in the model.
"""
