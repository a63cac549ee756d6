"""Packages the already-built extension (see pyproject.toml).

The package holds a compiled module that setuptools does not build itself;
declaring it binary gives the wheel the interpreter and platform tags it
really has instead of a pure-Python "any" tag.
"""

from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution)
