// Kaptain.Build.Core.Tests
