using Glimpse.Model.Processing;

namespace Glimpse.Explain.Rendering;

/// <summary>The checks a <see cref="TokenGridMap"/> must pass before it is drawn or written.</summary>
internal static class TokenGridMapChecks
{
    /// <summary>Why the map's values do not fill its grid, or null when they do.</summary>
    public static string? ShapeProblem(TokenGridMap map) =>
        map.Height > 0 && map.Width > 0 && map.Values is not null && map.Values.Length == map.Height * map.Width
            ? null
            : $"a {map.Height}×{map.Width} map needs {map.Height * map.Width} values, got {(map.Values is null ? "none" : map.Values.Length)}";

    public static void RequireWellFormed(TokenGridMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (ShapeProblem(map) is { } problem) throw new ArgumentException(problem, nameof(map));
    }

    /// <summary>Throws unless the map is well formed and its grid of cells lies inside the model input.</summary>
    public static void RequireFits(TokenGridMap map, ImageGeometry geometry, int tokenCellSize)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        RequireWellFormed(map);
        if (tokenCellSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(tokenCellSize), $"a token cell needs a positive size, got {tokenCellSize}");
        if (map.Height * tokenCellSize > geometry.ModelInput.Height || map.Width * tokenCellSize > geometry.ModelInput.Width)
            throw new ArgumentException(
                $"a {map.Height}×{map.Width} map of {tokenCellSize} px cells does not fit the {geometry.ModelInput.Width}×{geometry.ModelInput.Height} model input",
                nameof(map));
    }
}
