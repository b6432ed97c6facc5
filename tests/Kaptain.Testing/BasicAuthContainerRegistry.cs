namespace Kaptain.Testing;

/// <summary>A <see cref="ContainerRegistry"/> fixture that requires basic auth (<see cref="ContainerRegistryOptions.WithBasicAuth"/>).</summary>
public sealed class BasicAuthContainerRegistry : ContainerRegistry
{
    /// <summary>Creates the registry; it starts in <see cref="ContainerRegistry.InitializeAsync"/>.</summary>
    public BasicAuthContainerRegistry()
        : base(ContainerRegistryOptions.WithBasicAuth)
    {
    }
}
