
namespace Glimpse.Core.Contracts;

/// <summary>
/// The four result files of a succeeded job: blob names in the results container in a status record, full blob
/// URIs in a completion event.
/// </summary>
public sealed record ResultFiles(string ResultJson, string OverlayPng, string HeatmapPng, string ReportHtml);
