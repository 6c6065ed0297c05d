"""train_lora in process: every LoRA weight moves away from its initial value, and what is saved is what trained."""

import math
import unittest

from avatar_training.config import build_training_config, load_hyperparameters_document
from avatar_training.device import choose_placement
from avatar_training.dreambooth_lora import train_lora

from .support import CLASS_PROMPT, INSTANCE_PROMPT, TINY_HYPERPARAMETERS, scratch, tiny_base_model, write_photos


class TrainLoraTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from safetensors.torch import load_file

        work = scratch("train-lora")
        config = build_training_config(
            {"maxTrainSteps": 3, "numClassImages": 2}, load_hyperparameters_document(TINY_HYPERPARAMETERS)
        )
        cls.initial = {}

        def snapshot(parameters):
            cls.initial = {name: p.detach().clone() for name, p in parameters.items()}

        cls.result = train_lora(
            base_model_dir=tiny_base_model(),
            instance_images=write_photos(work / "instance", 3),
            instance_prompt=INSTANCE_PROMPT,
            class_images=write_photos(work / "class", 2, seed=11),
            class_prompt=CLASS_PROMPT,
            config=config,
            output_dir=work / "adapter",
            log=lambda line: None,
            on_adapters_ready=snapshot,
        )
        cls.saved = load_file(work / "adapter" / "pytorch_lora_weights.safetensors")

    def test_trains_on_cpu_with_a_finite_loss(self):
        self.assertEqual(self.result["device"], "cpu")
        self.assertEqual(self.result["steps"], 3)
        self.assertTrue(math.isfinite(self.result["finalLoss"]))
        self.assertGreater(self.result["secondsPerStep"], 0)

    def test_every_lora_weight_changed_from_its_initial_value(self):
        self.assertTrue(self.initial)
        self.assertTrue(all(".lora_A." in n or ".lora_B." in n for n in self.initial), list(self.initial)[:3])
        # The same number of tensors trained and saved: nothing trained is lost, nothing untrained is saved.
        self.assertEqual(len(self.saved), len(self.initial))
        for name, before in self.initial.items():
            with self.subTest(name=name):
                # lora_B starts at zero (the adapter starts as a no-op), lora_A random: both must have moved.
                key = name.replace(".lora_A.default.", ".lora.down.").replace(".lora_B.default.", ".lora.up.")
                key = key if key in self.saved else key.replace(".lora.", ".lora_linear_layer.")
                self.assertIn(key, self.saved)
                after = self.saved[key].to(before.dtype)
                self.assertEqual(after.shape, before.shape)
                self.assertFalse(bool((after == before).all()), f"{name} did not change")


class PlacementTest(unittest.TestCase):
    def test_without_cuda_everything_is_fp32_on_cpu_whatever_was_asked(self):
        import torch

        if torch.cuda.is_available():
            self.skipTest("a GPU is present")
        for asked in ("fp16", "bf16", "no"):
            placement = choose_placement(torch, asked)
            self.assertEqual((placement.device, placement.weight_dtype, placement.mixed_precision),
                             ("cpu", torch.float32, "no"))


if __name__ == "__main__":
    unittest.main()
