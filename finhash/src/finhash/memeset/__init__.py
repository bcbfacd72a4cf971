"""Labelled image sets for the comparison.

Modules
-------
transforms  meme-like edits (captions, JPEG, rescale, crop, border, brightness/contrast, rotation,
            mirror, screenshot re-scaling), each a class configured in ``__init__`` and called with an
            image and a random generator
build       build the meme-like benchmark from real photos, reproducibly from a seed
loaders     read a labelled set: the built benchmark, ``nearduplicates/``, or the Library of Congress
            meme-generator folder (family = first four digits of the file name)
"""
