using Kaptain.Build.Model;

namespace Cake.Kaptain;

/// <summary>
/// A model project as MSBuild evaluates it for the aliases: the model, and the folders the targets would use, so that
/// a Cake run and <c>dotnet build</c> of the same project keep their state (journals, run reports) in one place.
/// </summary>
/// <param name="Model">The validated model.</param>
/// <param name="IntermediateDirectory">The project's <c>$(KaptainIntermediateOutputPath)</c> (absolute).</param>
/// <param name="ManifestsDirectory">The project's <c>$(KaptainManifestsDirectory)</c> (absolute).</param>
internal sealed record ModelProject(ModelDefinition Model, string IntermediateDirectory, string ManifestsDirectory);
