using System.Globalization;
using Glimpse.Core.Images;

namespace Glimpse.Core.Results;

/// <summary>
/// One raw value per image token of the prompt, in sequence order (what explainers compute over V), with the layout
/// that places the tokens on the image: <c>Values[k]</c> belongs to image token k, which fills the cell
/// <see cref="ImageTokenLayout.CellOf"/> gives, or no cell (an unplaced token, never drawn).
/// </summary>
public sealed record ImageTokenMap
{
    public ImageTokenMap(ImageTokenLayout layout, double[] values)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != layout.TokenCount)
            throw new ArgumentException($"{values.Length} values for {layout.TokenCount} image tokens", nameof(values));
        Layout = layout;
        Values = values;
    }

    public ImageTokenLayout Layout { get; }
    public double[] Values { get; }

    /// <summary>Grid <paramref name="grid"/>'s values, row-major.</summary>
    public double[] GridValues(int grid) => Layout.GridValues(grid, Values);
}

/// <summary>How a layout reads to people, for the command line and the reports.</summary>
public static class ImageTokenLayoutText
{
    /// <summary>One grid: <c>'image' 24×24 cells of 14 px</c>.</summary>
    public static string Describe(TokenGrid grid) =>
        string.Create(CultureInfo.InvariantCulture, $"'{grid.Name}' {grid.Rows}×{grid.Columns} cells of {grid.CellSize} px");

    /// <summary>The whole layout: <c>577 image tokens: grid 'image' 24×24 cells of 14 px; 1 with no cell</c>.</summary>
    public static string Describe(ImageTokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        string grids = string.Join(", ", layout.Grids.Select(Describe));
        string unplaced = layout.UnplacedTokens.Count == 0 ? "" : $"; {layout.UnplacedTokens.Count} with no cell";
        return $"{layout.TokenCount} image tokens: {(layout.Grids.Count == 1 ? "grid" : $"{layout.Grids.Count} grids")} {grids}{unplaced}";
    }
}
