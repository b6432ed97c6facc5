namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainUndeploy"/>.</summary>
public sealed class KaptainUndeploySettings : KaptainLifecycleSettings
{
}
