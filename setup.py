"""setuptools needs code for one thing pyproject.toml cannot say: ``resources/`` (code tables,
fonts, photo profiles, translations) lives at the top of the repository, where editors and
translators find it, but ships inside the wheel as ``station/_resources`` so that an installed
station finds it beside its code (station/resources.py). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["station*", "sync*", "ui*"]), "station._resources"],
    package_dir={"station._resources": "resources"},
)
