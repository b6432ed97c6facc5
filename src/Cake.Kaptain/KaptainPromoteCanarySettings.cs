namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainPromoteCanary"/>.</summary>
public sealed class KaptainPromoteCanarySettings : KaptainLifecycleSettings
{
}
