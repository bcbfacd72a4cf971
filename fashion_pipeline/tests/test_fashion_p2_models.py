"""Model step: FashionNet shapes, per-sample independence, weights loading; registry; category CNN."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from fashion_pipeline.models import UNTRAINED, UnknownModelError, available_models, load_model
from fashion_pipeline.models.category_cnn import PACKAGED_WEIGHTS, CategoryModel
from fashion_pipeline.models.fashionnet import FashionNet, FashionNetModel, landmark_pool
from fashion_pipeline.models.labels import DEEPFASHION_CATEGORIES, LANDMARKS, attribute_names
from fashion_pipeline.models.vgg import VGG16

SMALL = {"width_mult": 1 / 16, "input_size": 64}
torch.set_num_threads(1)  # tiny models: threads only add overhead on a busy 2-core machine


def _images(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(80, 60, 3), dtype=np.uint8) for _ in range(n)]


@pytest.fixture(scope="module")
def small_net() -> FashionNet:
    torch.manual_seed(0)
    return FashionNet(width_mult=1 / 16).eval()


def test_vgg16_has_torchvision_parameter_names_and_shapes():
    with torch.device("meta"):  # names and shapes only: no memory, no init cost
        sd = VGG16().state_dict()
    conv_idx = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    expected = {f"features.{i}.{p}" for i in conv_idx for p in ("weight", "bias")}
    expected |= {f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")}
    assert set(sd) == expected
    assert sd["features.0.weight"].shape == (64, 3, 3, 3)
    assert sd["features.28.weight"].shape == (512, 512, 3, 3)
    assert sd["classifier.0.weight"].shape == (4096, 25088)
    assert sd["classifier.6.weight"].shape == (1000, 4096)
    assert sum(v.numel() for v in sd.values()) == 138_357_544  # torchvision vgg16's count


def test_fashionnet_output_shapes(small_net):
    with torch.inference_mode():
        out = small_net(torch.randn(2, 3, 64, 64))
    assert out.category_logits.shape == (2, 50)
    assert out.attribute_logits.shape == (2, 1000)
    assert out.landmarks.shape == (2, 8, 2)
    assert out.visibility.shape == (2, 8)
    assert ((out.landmarks >= 0) & (out.landmarks <= 1)).all()
    assert ((out.visibility >= 0) & (out.visibility <= 1)).all()


def test_fashionnet_batch_samples_are_independent(small_net):
    """A sample's outputs do not depend on the other images in its batch (the public version's flaw)."""
    torch.manual_seed(1)
    a, b, c = torch.randn(3, 1, 3, 64, 64).unbind(0)
    with torch.inference_mode():
        alone = small_net(a)
        with_b = small_net(torch.cat([a, b]))
        with_c = small_net(torch.cat([c, a]))
    for field in ("category_logits", "attribute_logits", "landmarks", "visibility_logits"):
        ref = getattr(alone, field)[0]
        torch.testing.assert_close(getattr(with_b, field)[0], ref, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(getattr(with_c, field)[1], ref, rtol=1e-4, atol=1e-5)
    # and the batch really holds different predictions (the test could fail)
    assert not torch.allclose(with_b.landmarks[0], with_b.landmarks[1])


def test_landmark_pooling_reads_only_its_own_sample():
    torch.manual_seed(2)
    feats = torch.randn(2, 4, 8, 8)
    lm = torch.rand(2, 8, 2)
    vis = torch.ones(2, 8)
    base = landmark_pool(feats, lm, vis)
    assert base.shape == (2, 8, 4, 3, 3)
    lm2, feats2 = lm.clone(), feats.clone()
    lm2[1] = torch.rand(8, 2)
    feats2[1] = torch.randn(4, 8, 8)
    other = landmark_pool(feats2, lm2, vis)
    torch.testing.assert_close(other[0], base[0])
    assert not torch.allclose(other[1], base[1])
    # a landmark exactly on a cell centre reads that cell's vector
    lm3 = torch.zeros(2, 8, 2)
    lm3[0, 0] = torch.tensor([(3 + 0.5) / 8, (5 + 0.5) / 8])  # x=cell 3, y=cell 5
    centre = landmark_pool(feats, lm3, vis)[0, 0, :, 1, 1]
    torch.testing.assert_close(centre, feats[0, :, 5, 3])
    # visibility weights the pooled features
    half = landmark_pool(feats, lm, vis * 0.5)
    torch.testing.assert_close(half, base * 0.5)


def test_fashionnet_model_outputs_untrained_label_and_named_results():
    model = FashionNetModel(**SMALL)
    gray = np.full((30, 20), 100, np.uint8)
    res = model.predict([*_images(1), gray], top_k=3)
    assert len(res) == 2
    for r in res:
        assert r["weights"] == UNTRAINED and r["model"] == "fashionnet"
        assert len(r["categories"]) == 3 and all(c["name"] in DEEPFASHION_CATEGORIES for c in r["categories"])
        scores = [c["score"] for c in r["categories"]]
        assert scores == sorted(scores, reverse=True)
        assert len(r["attributes"]) == 3
        assert [lm["name"] for lm in r["landmarks"]] == list(LANDMARKS)
    json.dumps(res)
    assert model.predict([]) == []


def test_fashionnet_weights_roundtrip(tmp_path):
    torch.manual_seed(5)
    trained = FashionNet(width_mult=1 / 16)
    with torch.no_grad():
        trained.category_head.bias.copy_(torch.linspace(-5, 5, 50))  # "Sundress" wins by far
    path = tmp_path / "fashionnet_small.pt"
    torch.save(trained.state_dict(), path)
    model = FashionNetModel(str(path), **SMALL, seed=123)
    res = model.predict(_images(2), top_k=1)
    assert res[0]["weights"].startswith("fashionnet:fashionnet_small.pt@sha256:")
    assert res[0]["categories"][0]["name"] == "Sundress"
    for name, tensor in trained.state_dict().items():
        torch.testing.assert_close(model.net.state_dict()[name], tensor)


def test_fashionnet_loads_a_vgg16_backbone_and_rejects_other_files(tmp_path):
    vgg = VGG16(width_mult=1 / 16)
    path = tmp_path / "vgg.pt"
    torch.save(vgg.state_dict(), path)
    model = FashionNetModel(str(path), **SMALL)
    assert model.weights.startswith("vgg16-backbone-only:")
    torch.testing.assert_close(model.net.backbone.features[0].weight, vgg.features[0].weight)
    torch.testing.assert_close(model.net.pose_conv[1].weight, vgg.features[24].weight)  # conv5_1 copied
    wrong = tmp_path / "wrong.pt"
    torch.save(FashionNet(width_mult=1 / 8).state_dict(), wrong)
    with pytest.raises(ValueError, match="not a FashionNet state_dict"):
        FashionNetModel(str(wrong), **SMALL)
    junk = tmp_path / "junk.pt"
    torch.save({"a": torch.zeros(1)}, junk)
    with pytest.raises(ValueError, match="neither a FashionNet nor a VGG16"):
        FashionNetModel(str(junk), **SMALL)


def test_untrained_outputs_are_reproducible_by_seed():
    a = FashionNetModel(**SMALL, seed=3).predict(_images(1))
    b = FashionNetModel(**SMALL, seed=3).predict(_images(1))
    assert a == b


def test_registry():
    assert set(available_models()) >= {"fashionnet", "category_cnn"}
    assert load_model("fashionnet", **SMALL) is load_model("fashionnet", **SMALL)
    with pytest.raises(UnknownModelError, match="unknown model 'resnet'"):
        load_model("resnet")
    with pytest.raises(ValueError):
        FashionNetModel(width_mult=1 / 16, input_size=50)


def test_attribute_names_file(tmp_path):
    assert attribute_names()[0] == "attr_0000"
    f = tmp_path / "list_attr_cloth.txt"
    f.write_text("1000\nattribute_name attribute_type\n" + "".join(f"a-line {i}  1\n" for i in range(1000)))
    assert attribute_names(f)[0] == "a-line 0"
    f.write_text("2\nheader\nx 1\ny 2\n")
    with pytest.raises(ValueError, match="expected 1000"):
        attribute_names(f)


def test_packaged_category_model_is_trained_and_predicts_catalogue_labels():
    assert PACKAGED_WEIGHTS.exists(), "the category CNN weights ship with the package"
    model = CategoryModel()
    assert model.weights.startswith("category_cnn:category_cnn.pt@sha256:")
    acc = model.info()["held_out_accuracy"]
    assert acc["masterCategory"] > 0.8
    res = model.predict(_images(3), top_k=2)
    assert len(res) == 3 and {"masterCategory", "articleType"} <= set(res[0])
    assert res[0]["masterCategory"][0]["name"] in model.card["master_classes"]
    assert PACKAGED_WEIGHTS.stat().st_size < 5_000_000


def test_category_model_rejects_a_wrong_checkpoint(tmp_path):
    p = tmp_path / "x.pt"
    torch.save({"state_dict": {}}, p)
    with pytest.raises(ValueError, match="not a category_cnn checkpoint"):
        CategoryModel(p)
