// Kaptain.Build.Core: the model, validation, manifests, the cluster and the object store.
