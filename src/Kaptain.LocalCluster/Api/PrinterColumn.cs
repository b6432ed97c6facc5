namespace Kaptain.LocalCluster.Api;

/// <summary>An additional printer column of a CustomResourceDefinition version.</summary>
/// <param name="Name">The column header.</param>
/// <param name="Type">The OpenAPI type (<c>string</c>, <c>integer</c>, <c>date</c>...).</param>
/// <param name="JsonPath">The simple JSONPath of the value (<c>.status.conditions[-1:].type</c>).</param>
public sealed record PrinterColumn(string Name, string Type, string JsonPath);
