namespace Kaptain.Testing;

/// <summary>A <see cref="ContainerRegistry"/> fixture with token auth (<see cref="ContainerRegistryOptions.WithTokenAuth"/>).</summary>
public sealed class TokenAuthContainerRegistry : ContainerRegistry
{
    /// <summary>Creates the registry; it starts in <see cref="ContainerRegistry.InitializeAsync"/>.</summary>
    public TokenAuthContainerRegistry()
        : base(ContainerRegistryOptions.WithTokenAuth)
    {
    }
}
