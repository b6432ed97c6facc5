// Kaptain.Build.EndToEnd.Tests
