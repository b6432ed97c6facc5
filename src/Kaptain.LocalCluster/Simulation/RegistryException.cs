namespace Kaptain.LocalCluster.Simulation;

/// <summary>A registry that refused or failed a request of the simulated Kaniko; the message is the method, URL and
/// the registry's error code as go-containerregistry prints them, never a credential.</summary>
internal sealed class RegistryException(string message) : Exception(message);
