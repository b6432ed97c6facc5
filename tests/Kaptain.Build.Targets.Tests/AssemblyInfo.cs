// Kaptain.Build.Targets.Tests
global using Xunit;

[assembly: AssemblyFixture(typeof(Kaptain.Build.Targets.Tests.Infrastructure.TestRunCleanup))]
