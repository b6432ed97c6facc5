// Kaptain.Build.Targets.Tests
global using Xunit;
