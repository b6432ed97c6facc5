// Entry point of `dotnet run --project src/Kaptain.LocalCluster -- --kubeconfig <path>`: filled in by the local cluster work (issue 3).
return 0;
