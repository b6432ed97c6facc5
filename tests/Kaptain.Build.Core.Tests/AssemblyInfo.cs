// Kaptain.Build.Core.Tests
global using Xunit;
