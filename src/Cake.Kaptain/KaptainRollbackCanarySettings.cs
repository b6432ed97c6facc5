namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainRollbackCanary"/>.</summary>
public sealed class KaptainRollbackCanarySettings : KaptainLifecycleSettings
{
}
