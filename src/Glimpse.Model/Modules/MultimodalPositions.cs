using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Multimodal rotary positions (t, h, w) of the Qwen2-VL family for a prompt with at most one still image
/// (transformers' <c>get_rope_index</c>): text tokens count up on all three axes; the image's tokens share t = s and
/// take h = s + row, w = s + column on the merged grid, where s is the next text index; text after the image resumes
/// at max + 1.
/// </summary>
public static class MultimodalPositions
{
    /// <param name="ids">the whole token sequence [N]</param>
    /// <param name="imageTokenId">the image placeholder id; its tokens must form one block of the image's token count</param>
    /// <param name="gridThw">(t, h, w) of the image in patches; null when there is no image</param>
    /// <param name="mergeSize">patches per merged token along each side</param>
    /// <returns>positions [3, 1, N] (int64) and delta = max + 1 − N: sequence index i ≥ N gets i + delta on every axis</returns>
    public static (Tensor Positions, long Delta) Compute(long[] ids, long imageTokenId, long[]? gridThw, int mergeSize, Device device)
    {
        var t = new long[ids.Length];
        var h = new long[ids.Length];
        var w = new long[ids.Length];
        long next = 0;
        for (int i = 0; i < ids.Length;)
        {
            if (ids[i] != imageTokenId)
            {
                t[i] = h[i] = w[i] = next++;
                i++;
                continue;
            }
            var grid = gridThw ?? throw new ArgumentException("The prompt has image tokens but no image grid was given.");
            long gridT = grid[0], gridH = grid[1] / mergeSize, gridW = grid[2] / mergeSize;
            long count = gridT * gridH * gridW;
            if (i + count > ids.Length || ids.Skip(i).Take((int)count).Any(id => id != imageTokenId))
                throw new ArgumentException($"Expected {count} consecutive image tokens at position {i} for grid [{string.Join(", ", grid)}].");
            // A still image: every temporal slice keeps offset k / (h·w) (0 for the usual single slice).
            for (long k = 0; k < count; k++, i++)
            {
                t[i] = next + k / (gridH * gridW);
                h[i] = next + k / gridW % gridH;
                w[i] = next + k % gridW;
            }
            next = Math.Max(t[i - 1], Math.Max(h[i - 1], w[i - 1])) + 1;
        }
        var positions = torch.tensor(t.Concat(h).Concat(w).ToArray(), device: device).view(3, 1, ids.Length);
        return (positions, next - ids.Length);
    }
}
