// Kaptain.Build.Tasks: MSBuild tasks, thin over Kaptain.Build.Core.
