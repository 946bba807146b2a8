using System.Text.Json;
using Glimpse.Core.Images;

namespace Glimpse.Core.Results;

/// <summary>
/// A result.json 1.x, as workers wrote it before image-token layouts, read for what the audit aggregator needs: the
/// answer and the map over the model's one token grid (<c>image_map</c>: height, width, row-major values). Other
/// fields are ignored. The geometry.json 1.0 written beside it (<see cref="MapGeometry"/>) places the grid on the
/// original, which makes it a single-grid <see cref="ImageTokenMap"/> like a 2.0 result's.
/// </summary>
public sealed record ResultVersion1(string SchemaVersion, string Answer, ResultVersion1.GridMap ImageMap)
{
    public sealed record GridMap(int Height, int Width, double[] Values);

    /// <summary>Reads a 1.x file; a <see cref="JsonException"/> when it is not one or its map does not fill its grid.</summary>
    public static ResultVersion1 Deserialize(string json)
    {
        var result = JsonSerializer.Deserialize<ResultVersion1>(json, ResultJson.Options)
            ?? throw new JsonException("result.json holds null instead of a result");
        if (!result.SchemaVersion.StartsWith("1.", StringComparison.Ordinal))
            throw new JsonException($"result.json schema version {result.SchemaVersion} is not 1.x");
        var map = result.ImageMap;
        if (map.Height <= 0 || map.Width <= 0 || map.Values.Length != map.Height * map.Width)
            throw new JsonException($"result.json is inconsistent: a {map.Height}×{map.Width} image_map needs {map.Height * map.Width} values, got {map.Values.Length}");
        int bad = Array.FindIndex(map.Values, v => !double.IsFinite(v));
        return bad < 0 ? result : throw new JsonException($"result.json is inconsistent: image_map.values[{bad}] is {map.Values[bad]}");
    }

    /// <summary>The map as one grid over the model input geometry.json describes; an <see cref="ArgumentException"/> when it does not fit.</summary>
    public ImageTokenMap ToImageTokenMap(MapGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var layout = ImageTokenLayout.SingleGrid(ImageMap.Height, ImageMap.Width, geometry.TokenCellSize, geometry.ToImageGeometry());
        return new ImageTokenMap(layout, ImageMap.Values);
    }
}
