namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainCleanup"/>.</summary>
public sealed class KaptainCleanupSettings : KaptainLifecycleSettings
{
}
