// Owner of the shared <torch/torch.h> precompiled header (see DankaTargets.cmake); compiles to nothing.
