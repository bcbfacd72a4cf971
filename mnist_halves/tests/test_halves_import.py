import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("mnist_halves")
    assert mod.__version__
