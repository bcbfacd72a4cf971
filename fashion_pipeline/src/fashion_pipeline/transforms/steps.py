"""Named transform steps with validated parameters (the extension point of the transform step).

A step is ``{"name": "random_crop", "params": {...}}``. Each name maps to a :class:`StepType`:
a pydantic model that validates the parameters, a builder that turns them into albumentations
transforms, and a function that turns what albumentations applied into the JSON-safe record
stored in the output metadata. Add a step by calling :func:`register_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import albumentations as A
import cv2
import imagecore  # noqa: F401  (sets NO_ALBUMENTATIONS_UPDATE)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fashion_pipeline.transforms.crop import RandomFractionCrop

#: Colour of the padding added by ``fit`` in ``pad`` mode: white, the catalogue's studio background.
DEFAULT_FILL = 255

_INTERPOLATION = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}


class TransformStepError(ValueError):
    """A step name is unknown or its parameters are invalid; the message says which and why."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RandomCropParams(_Params):
    """Parameters of ``random_crop``: each side becomes U(min_scale, max_scale) of the original."""

    min_scale: float = Field(0.8, gt=0.0, le=1.0)
    max_scale: float = Field(1.0, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> RandomCropParams:
        if self.min_scale > self.max_scale:
            raise ValueError(f"min_scale ({self.min_scale}) must be <= max_scale ({self.max_scale})")
        return self


class FitParams(_Params):
    """Parameters of ``fit``: into a ``size`` x ``size`` square by padding (default) or stretching."""

    size: int = Field(256, ge=1, le=4096)
    mode: Literal["pad", "stretch"] = "pad"
    fill: int | tuple[int, int, int] = DEFAULT_FILL
    interpolation: Literal["nearest", "linear", "cubic", "area"] = "linear"

    @model_validator(mode="after")
    def _fill_range(self) -> FitParams:
        values = self.fill if isinstance(self.fill, tuple) else (self.fill,)
        if any(not 0 <= v <= 255 for v in values):
            raise ValueError(f"fill values must be in 0..255, got {self.fill}")
        return self


class HorizontalFlipParams(_Params):
    """Parameters of ``horizontal_flip``."""

    p: float = Field(0.5, ge=0.0, le=1.0)


class BrightnessContrastParams(_Params):
    """Parameters of ``brightness_contrast`` (albumentations ``RandomBrightnessContrast``)."""

    brightness_limit: float = Field(0.2, ge=0.0, le=1.0)
    contrast_limit: float = Field(0.2, ge=0.0, le=1.0)
    p: float = Field(0.5, ge=0.0, le=1.0)


@dataclass(frozen=True)
class StepType:
    """One registered step: parameter model, albumentations builder, applied-params recorder."""

    name: str
    params_model: type[_Params]
    build: Callable[[Any, int], list[A.BasicTransform]]
    record: Callable[[Any, list[dict[str, Any]]], dict[str, Any]]
    description: str


def _fill_for(params: FitParams, channels: int) -> float | tuple[float, ...]:
    if isinstance(params.fill, tuple):
        if channels == 1:  # grayscale image: luma of the RGB fill
            r, g, b = params.fill
            return float(round(0.299 * r + 0.587 * g + 0.114 * b))
        return tuple(float(v) for v in params.fill)
    return float(params.fill)


def _build_crop(p: RandomCropParams, channels: int) -> list[A.BasicTransform]:
    return [RandomFractionCrop(min_scale=p.min_scale, max_scale=p.max_scale, p=1.0)]


def _record_crop(p: RandomCropParams, applied: list[dict[str, Any]]) -> dict[str, Any]:
    if not applied:
        return {"applied": False}
    a = applied[0]
    x0, y0, x1, y1 = (int(v) for v in a["crop_box"])
    h, w = a["shape"][:2]
    return {
        "applied": True,
        "input_size": [int(w), int(h)],
        "box": [x0, y0, x1, y1],
        "width_fraction": round((x1 - x0) / w, 4),
        "height_fraction": round((y1 - y0) / h, 4),
    }


def _build_fit(p: FitParams, channels: int) -> list[A.BasicTransform]:
    interp = _INTERPOLATION[p.interpolation]
    if p.mode == "stretch":
        return [A.Resize(height=p.size, width=p.size, interpolation=interp)]
    return [
        A.LongestMaxSize(max_size=p.size, interpolation=interp),
        A.PadIfNeeded(
            min_height=p.size, min_width=p.size, position="center",
            border_mode=cv2.BORDER_CONSTANT, fill=_fill_for(p, channels),
        ),
    ]


def _record_fit(p: FitParams, applied: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"size": p.size, "mode": p.mode}
    if not applied:
        return out
    h, w = applied[0]["shape"][:2]
    out["input_size"] = [int(w), int(h)]
    if p.mode == "pad" and len(applied) == 2:
        pad = applied[1]
        rh, rw = pad["shape"][:2]
        out["resized_size"] = [int(rw), int(rh)]
        out["scale"] = round(float(applied[0].get("scale", rw / w)), 6)
        out["padding"] = {k: int(pad[f"pad_{k}"]) for k in ("top", "bottom", "left", "right")}
        out["fill"] = list(p.fill) if isinstance(p.fill, tuple) else p.fill
    return out


def _build_flip(p: HorizontalFlipParams, channels: int) -> list[A.BasicTransform]:
    return [A.HorizontalFlip(p=p.p)]


def _record_flip(p: HorizontalFlipParams, applied: list[dict[str, Any]]) -> dict[str, Any]:
    return {"flipped": bool(applied)}


def _build_bc(p: BrightnessContrastParams, channels: int) -> list[A.BasicTransform]:
    return [A.RandomBrightnessContrast(brightness_limit=p.brightness_limit, contrast_limit=p.contrast_limit, p=p.p)]


def _record_bc(p: BrightnessContrastParams, applied: list[dict[str, Any]]) -> dict[str, Any]:
    if not applied:
        return {"applied": False}
    a = applied[0]
    return {"applied": True, "alpha": round(float(a.get("alpha", 1.0)), 4), "beta": round(float(a.get("beta", 0.0)), 4)}


STEP_REGISTRY: dict[str, StepType] = {}


def register_step(step: StepType) -> None:
    """Add a step type to the registry (name must be new)."""
    if step.name in STEP_REGISTRY:
        raise ValueError(f"transform step {step.name!r} is already registered")
    STEP_REGISTRY[step.name] = step


for _step in (
    StepType("random_crop", RandomCropParams, _build_crop, _record_crop,
             "crop width and height each to U(min_scale, max_scale) of the original (independently)"),
    StepType("fit", FitParams, _build_fit, _record_fit,
             "fit into a size x size square: keep aspect ratio and pad with `fill` (default white), or stretch"),
    StepType("horizontal_flip", HorizontalFlipParams, _build_flip, _record_flip, "mirror left-right with probability p"),
    StepType("brightness_contrast", BrightnessContrastParams, _build_bc, _record_bc,
             "random brightness/contrast change with probability p"),
):
    register_step(_step)


def available_steps() -> dict[str, dict[str, Any]]:
    """Name -> description and JSON schema of the parameters, for every registered step."""
    return {
        name: {"description": s.description, "params": s.params_model.model_json_schema()}
        for name, s in STEP_REGISTRY.items()
    }


class StepSpec(BaseModel):
    """A step as written in a job or a request: a registered name and its parameters."""

    model_config = ConfigDict(extra="forbid")

    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    def validated(self) -> tuple[StepType, _Params]:
        """Return the step type and its validated parameters.

        Raises
        ------
        TransformStepError
            Unknown name or invalid parameters.
        """
        step = STEP_REGISTRY.get(self.name)
        if step is None:
            raise TransformStepError(
                f"unknown transform step {self.name!r}; available: {', '.join(sorted(STEP_REGISTRY))}"
            )
        try:
            return step, step.params_model(**self.params)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(x) for x in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors()
            )
            raise TransformStepError(f"invalid parameters for transform step {self.name!r}: {problems}") from None
