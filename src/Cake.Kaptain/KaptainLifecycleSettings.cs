using Cake.Core.IO;

namespace Cake.Kaptain;

/// <summary>What the aliases that run a lifecycle step against a cluster take beyond the model.</summary>
public abstract class KaptainLifecycleSettings : KaptainSettings
{
    /// <summary>
    /// Where the run keeps its journal, reports and other outputs; defaults to <c>obj/kaptain/</c> beside the project,
    /// the folder the MSBuild targets use, so a later <c>KaptainCleanup</c> from either front finds a killed run's journal.
    /// Corresponds to the tasks' <c>IntermediateDirectory</c> parameter.
    /// </summary>
    public DirectoryPath? IntermediateDirectory { get; set; }
}
