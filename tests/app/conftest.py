from tests.app.fakes import app_settings, body_model, fake_factory, photo  # noqa: F401
