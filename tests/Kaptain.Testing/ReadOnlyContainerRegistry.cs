namespace Kaptain.Testing;

/// <summary>A <see cref="ContainerRegistry"/> fixture in read-only mode (<see cref="ContainerRegistryOptions.ReadOnly"/>):
/// a push to it fails the way a push to a registry that refuses writes does.</summary>
public sealed class ReadOnlyContainerRegistry : ContainerRegistry
{
    /// <summary>Creates the registry; it starts in <see cref="ContainerRegistry.InitializeAsync"/>.</summary>
    public ReadOnlyContainerRegistry()
        : base(new ContainerRegistryOptions { ReadOnly = true })
    {
    }
}
