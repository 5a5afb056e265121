from tests.app.support import (  # noqa: F401
                               app_settings,
                               body_model,
                               controller,
                               dataset_copy,
                               fitted,
                               model_config,
                               photo,
                               predictor_factory,
                               real_predictor,
                               slow_controller,
                               synth_dataset,
)
