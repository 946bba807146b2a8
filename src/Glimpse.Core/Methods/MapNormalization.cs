using Glimpse.Core.Rendering;

namespace Glimpse.Core.Methods;

/// <summary>How a raw map over image tokens becomes values in [0, 1] for colouring (see <see cref="MapNormalizer"/>).</summary>
public enum MapNormalization
{
    /// <summary>(v − min) / (max − min): the lowest token is 0, the highest 1, linear in between.</summary>
    MinMax,

    /// <summary>
    /// Linear between the 1st and 99th percentiles, clipped to [0, 1]: a few extreme tokens do not wash out the
    /// rest of the map.
    /// </summary>
    Percentile,

    /// <summary>
    /// The token's rank: how many tokens are strictly lower, scaled so the highest is 1. Shows the ordering only,
    /// which is what deletion/insertion curves and the pointing game use.
    /// </summary>
    Rank,
}
