namespace Cake.Kaptain;

/// <summary>Settings of <see cref="KaptainAliases.KaptainBuildImage"/>.</summary>
public sealed class KaptainBuildImageSettings : KaptainLifecycleSettings
{
}
