from tests.app.support import (app_settings, body_model, dataset_copy, model_config, photo,  # noqa: F401
                               predictor_factory, real_predictor, synth_dataset)
