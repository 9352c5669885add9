"""Every private or version-specific API of ZenML, BentoML, MLflow, fsspec and skl2onnx Conveyor uses, only here.

Each patch or private use is declared in ``patches.py`` with the package and versions it was written for,
why it exists and when it can go (docs/compat.md has the table). Outside its versions an optional patch is
skipped with a warning, and a required one stops the process with CompatError. The modules:

    patches          the declarations, and ``Patch.check()``
    zenml_speedups   ZenML's package lookup, read once per process (optional)
    log_noise        filters for ZenML's per-step noise (optional)
    zenml_model      the running step's ZenML model version (required)
    bento_deployer   ZenML's local BentoML service and deployer, serving the new SDK (required)
    bento_io         BentoML's list endpoints without their per-request schema work (optional)
    bento_direct     BentoML's request classes and headers, for answers beside its routing (optional)
    bento_private  BentoML's traffic-metrics middleware and build path matcher (required)
    fsspec_paths     a URI as a path of a given filesystem (public fallback outside its versions)
    onnx_converters  skl2onnx's SimpleImputer converter for double inputs (optional)

compat sits just above conveyor.errors and below every other room: it imports nothing else of Conveyor.
"""
