import importlib


def test_package_imports() -> None:
    mod = importlib.import_module("mnist_sequences")
    assert mod.__version__
