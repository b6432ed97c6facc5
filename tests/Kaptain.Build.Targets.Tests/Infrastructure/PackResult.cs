namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>A packed .nupkg and the log of the <c>dotnet pack</c> that produced it.</summary>
internal sealed record PackResult(string PackageFile, string Log);
