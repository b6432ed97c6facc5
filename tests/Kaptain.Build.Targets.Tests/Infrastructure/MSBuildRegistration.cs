using System.Runtime.CompilerServices;
using Microsoft.Build.Locator;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// Registers the installed SDK's MSBuild before any Microsoft.Build type loads: the test assembly references
/// Microsoft.Build for compiling only (ExcludeAssets=runtime), and the locator resolves it from the SDK at run time.
/// A module initializer runs before any code of this assembly, so no test can touch MSBuild first.
/// </summary>
internal static class MSBuildRegistration
{
    [ModuleInitializer]
    internal static void Register()
    {
        if (!MSBuildLocator.IsRegistered)
        {
            MSBuildLocator.RegisterDefaults();
        }
    }
}
