// Kaptain.Build.Targets.Tests
