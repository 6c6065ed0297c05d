import json
import unittest

from avatar_training.config import (
    FIELD_NAMES,
    HYPERPARAMETERS_FILE,
    TrainingConfig,
    build_training_config,
    load_hyperparameters_document,
)
from avatar_training.errors import InvalidTrainingRequestError


class DefaultsTest(unittest.TestCase):
    def test_the_generated_file_describes_exactly_the_config_fields(self):
        document = load_hyperparameters_document()
        self.assertEqual(set(document["defaults"]), set(FIELD_NAMES))

    def test_no_overrides_gives_the_defaults(self):
        defaults = json.loads(HYPERPARAMETERS_FILE.read_text())["defaults"]
        config = build_training_config(None)
        self.assertIsInstance(config, TrainingConfig)
        self.assertEqual(config.to_hyperparameters(), {**defaults, "priorLossWeight": float(defaults["priorLossWeight"])})
        self.assertEqual(build_training_config({}), config)

    def test_overrides_are_merged_over_the_defaults(self):
        config = build_training_config({"maxTrainSteps": 800, "learningRate": 5e-5, "trainTextEncoder": False})
        self.assertEqual(config.max_train_steps, 800)
        self.assertEqual(config.learning_rate, 5e-5)
        self.assertFalse(config.train_text_encoder)
        self.assertEqual(config.lora_rank, 128)

    def test_values_on_the_bounds_are_accepted(self):
        config = build_training_config({"resolution": 1024, "maxTrainSteps": 100, "numClassImages": 0, "seed": 0})
        self.assertEqual((config.resolution, config.max_train_steps, config.num_class_images), (1024, 100, 0))
        self.assertFalse(config.uses_class_images)

    def test_integral_floats_count_as_integers(self):
        self.assertEqual(build_training_config({"resolution": 768.0}).resolution, 768)
        self.assertIsInstance(build_training_config({"resolution": 768.0}).resolution, int)

    def test_float_fields_accept_fractions_although_the_default_is_written_as_an_integer(self):
        self.assertEqual(build_training_config({"priorLossWeight": 0.5}).prior_loss_weight, 0.5)


class BoundsTest(unittest.TestCase):
    def assertRefused(self, overrides, *fragments):
        with self.assertRaises(InvalidTrainingRequestError) as caught:
            build_training_config(overrides)
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(caught.exception.status, 400)
        self.assertFalse(caught.exception.retryable)
        return message

    def test_below_minimum_names_field_value_and_range(self):
        self.assertRefused({"maxTrainSteps": 50}, "maxTrainSteps", "50", "from 100 to 3000")

    def test_above_maximum(self):
        self.assertRefused({"loraRank": 512}, "loraRank", "512", "from 4 to 256")
        self.assertRefused({"learningRate": 0.01}, "learningRate", "0.01", "from 1e-06 to 0.001")

    def test_multiple_of(self):
        self.assertRefused({"resolution": 500}, "resolution", "500", "a multiple of 64")

    def test_integer_fields_refuse_fractions(self):
        self.assertRefused({"seed": 1.5}, "seed", "1.5", "an integer")

    def test_numbers_refuse_booleans_strings_and_null(self):
        self.assertRefused({"seed": True}, "seed", "true")
        self.assertRefused({"resolution": "512"}, "resolution", '"512"')
        self.assertRefused({"loraRank": None}, "loraRank", "null")

    def test_booleans_must_be_booleans(self):
        self.assertRefused({"priorPreservation": 1}, "priorPreservation", "true or false")
        self.assertRefused({"trainTextEncoder": "yes"}, "trainTextEncoder")

    def test_mixed_precision_choices(self):
        for choice in ("fp16", "bf16", "no"):
            self.assertEqual(build_training_config({"mixedPrecision": choice}).mixed_precision, choice)
        self.assertRefused({"mixedPrecision": "fp8"}, "mixedPrecision", '"fp8"', '"fp16", "bf16", "no"')

    def test_unknown_keys_are_refused(self):
        self.assertRefused({"epochs": 3}, "unknown hyperparameters ['epochs']", "maxTrainSteps")

    def test_hyperparameters_must_be_an_object(self):
        self.assertRefused([1, 2], "must be an object")

    def test_a_custom_document_is_honoured(self):
        document = {"defaults": dict(load_hyperparameters_document()["defaults"]), "bounds": {"seed": {"min": 5, "max": 6}}}
        with self.assertRaises(InvalidTrainingRequestError):
            build_training_config({"seed": 7}, document)


if __name__ == "__main__":
    unittest.main()
