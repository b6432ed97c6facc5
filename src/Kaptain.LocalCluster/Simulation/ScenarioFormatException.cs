namespace Kaptain.LocalCluster.Simulation;

/// <summary>A scenario, scenario file or metric formula that cannot be read; the message says where and why.</summary>
public sealed class ScenarioFormatException : FormatException
{
    /// <summary>Creates the exception with a message that says where and why.</summary>
    public ScenarioFormatException(string message)
        : base(message)
    {
    }
}
