using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Glimpse.Core.Validation;

namespace Glimpse.Pipeline.Tests.Validation;

/// <summary>
/// Random and mutated inputs: the validators answer every one with a result (valid, or problems), never an exception.
/// Iteration counts keep each property to a few seconds on one thread.
/// </summary>
public sealed class ValidatorPropertyTests
{
    private const int Iterations = 1500;

    private static readonly ManifestValidator Manifests = new(new ManifestLimits(), [TinyModels.Llava]);
    private static readonly ImageHeaderValidator Images = new(new ImageLimits());
    private static readonly byte[] ValidManifest = TestManifests.Bytes(TestManifests.Valid());

    /// <summary>One mutation of a byte string: flip, overwrite, insert, delete or truncate.</summary>
    private static Gen<byte[]> Mutated(byte[] original) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, Math.Max(original.Length - 1, 0)], Gen.Byte, Gen.Int[1, 8]).Array[1, 6]
            .Select(mutations =>
            {
                var bytes = original.ToList();
                foreach (var (kind, at, value, count) in mutations)
                {
                    int position = Math.Min(at, Math.Max(bytes.Count - 1, 0));
                    switch (kind)
                    {
                        case 0 when bytes.Count > 0: bytes[position] ^= (byte)(1 << (value % 8)); break;
                        case 1 when bytes.Count > 0: bytes[position] = value; break;
                        case 2: bytes.InsertRange(position, Enumerable.Repeat(value, count)); break;
                        case 3 when bytes.Count > 0: bytes.RemoveRange(position, Math.Min(count, bytes.Count - position)); break;
                        case 4: bytes.RemoveRange(position, bytes.Count - position); break;
                    }
                }
                return bytes.ToArray();
            });

    /// <summary>JSON values of every kind, nested a few levels, with strings that stress the checks.</summary>
    private static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, value) => Gen.OneOf<JsonNode?>(
        Gen.Const((JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Double.Select(d => (JsonNode?)(double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(0))),
        Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.OneOf<string>("", " ", "../x", "a/../b", "image.png", "llava_tiny", "glimpse", "1.0", "\u0000", "\\", "job.json", "∑λ", new string('z', 300))
            .Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.String.Select(s => (JsonNode?)JsonValue.Create(s)),
        depth >= 3 ? Gen.Const((JsonNode?)null) : value.Array[0, 4].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray())),
        depth >= 3 ? Gen.Const((JsonNode?)null) : Gen.Select(Gen.OneOf<string>("lambda", "normalize", "chunk_size", "team", "x y", ""), value).Array[0, 4]
            .Select(entries => (JsonNode?)new JsonObject(entries.DistinctBy(e => e.Item1).Select(e => KeyValuePair.Create(e.Item1, e.Item2?.DeepClone()))))));

    /// <summary>Objects over the manifest's own field names (and a stranger), so the generated inputs reach every check.</summary>
    private static readonly Gen<JsonObject> RandomManifest =
        Gen.Select(Gen.OneOf<string>("schema_version", "prompt", "image", "model", "method", "options", "max_new_tokens", "correlation_id", "tags", "extra"), Value)
            .Array[0, 10]
            .Select(fields => new JsonObject(fields.DistinctBy(f => f.Item1).Select(f => KeyValuePair.Create(f.Item1, f.Item2?.DeepClone()))));

    [Fact]
    public void Random_bytes_never_throw_from_the_manifest_validator() =>
        Gen.Byte.Array[0, 300].Sample(bytes => Assert.NotNull(Manifests.Validate(bytes)), iter: Iterations, threads: 1);

    [Fact]
    public void Mutated_manifests_never_throw_and_an_invalid_one_always_says_why() =>
        Mutated(ValidManifest).Sample(bytes =>
        {
            var validation = Manifests.Validate(bytes);
            Assert.Equal(validation.IsValid, validation.Problems.Count == 0);
        }, iter: Iterations, threads: 1);

    [Fact]
    public void Random_json_objects_never_throw_and_validity_is_consistent() =>
        RandomManifest.Sample(manifest =>
        {
            var validation = Manifests.Validate(Encoding.UTF8.GetBytes(manifest.ToJsonString()));
            Assert.Equal(validation.IsValid, validation.Problems.Count == 0);
            Assert.Equal(validation.IsValid, validation.Settings is not null);
        }, iter: Iterations, threads: 1);

    [Fact]
    public void Deeply_nested_json_is_a_problem_not_a_crash() =>
        Gen.Int[1, 5000].Sample(depth =>
        {
            string json = "{\"options\":" + new string('[', depth) + new string(']', depth) + "}";
            Assert.False(Manifests.Validate(Encoding.UTF8.GetBytes(json)).IsValid);
        }, iter: 200, threads: 1);

    [Fact]
    public void Random_bytes_never_throw_from_the_image_header_validator() =>
        Gen.Byte.Array[0, 512].Sample(bytes => Assert.NotNull(Images.Validate(bytes, bytes.Length)), iter: Iterations, threads: 1);

    [Fact]
    public void Mutated_image_headers_never_throw_and_what_passes_is_within_bounds()
    {
        byte[][] seeds =
        [
            CraftedImages.Png(64, 48, rows: 2), CraftedImages.Png(100_000, 100_000), CraftedImages.Gif(16, 16),
            [.. CraftedImages.BmpHeader(8, 8), .. new byte[8 * 8 * 3]], TinyModels.LlavaImage(),
            // A baseline JPEG's start: SOI, APP0 (JFIF), and an SOF0 frame header claiming 640×480.
            [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
             0xFF, 0xC0, 0, 17, 8, 0x01, 0xE0, 0x02, 0x80, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
            // A lossy WebP's RIFF header and VP8 frame header claiming 64×64.
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', 36, 0, 0, 0, (byte)'W', (byte)'E', (byte)'B', (byte)'P', (byte)'V', (byte)'P', (byte)'8', (byte)' ',
             24, 0, 0, 0, 0x30, 0x01, 0, 0x9D, 0x01, 0x2A, 64, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ];
        Gen.Int[0, seeds.Length - 1].SelectMany(i => Mutated(seeds[i])).Sample(bytes =>
        {
            var validation = Images.Validate(bytes, bytes.Length);
            if (validation.IsValid) Assert.InRange(validation.Info!.PixelCount, 1, Images.Limits.MaxPixels);
        }, iter: Iterations, threads: 1);
    }

    /// <summary>
    /// Every byte of a real PNG's and a real JPEG's header region set to each of a few telling values (0, 0xFF, a bit
    /// flipped, the byte's neighbours), exhaustively: never an exception, and whatever still passes claims a size within
    /// the bounds and the format it really has.
    /// </summary>
    [Fact]
    public void Each_header_byte_of_a_real_png_and_jpeg_changed_in_turn_never_throws_and_what_passes_is_within_bounds()
    {
        var seeds = new[] { (Format: "png", Bytes: TinyModels.LlavaImage()), (Format: "jpeg", Bytes: CraftedImages.Jpeg()) };
        int checkedInputs = 0, passed = 0;
        foreach (var (format, original) in seeds)
        {
            int headerRegion = Math.Min(original.Length, 640);
            for (int at = 0; at < headerRegion; at++)
            {
                byte was = original[at];
                foreach (byte value in new[] { (byte)0, (byte)0xFF, (byte)(was ^ 0x01), (byte)(was ^ 0x80), (byte)(was + 1), (byte)(was - 1) }.Distinct())
                {
                    if (value == was) continue;
                    original[at] = value;
                    var validation = Images.Validate(original, original.Length);
                    checkedInputs++;
                    if (validation.IsValid)
                    {
                        passed++;
                        Assert.InRange(validation.Info!.PixelCount, 1, Images.Limits.MaxPixels);
                    }
                    else
                    {
                        Assert.NotEmpty(validation.Problems);
                    }
                }
                original[at] = was;
            }
        }
        // Most single-byte changes outside the signature and size fields leave a valid header: both outcomes were exercised.
        Assert.InRange(passed, 1, checkedInputs - 1);
    }

    /// <summary>Objects and arrays nested to random depths under random fields (the root included): a problem past the depth limit, never a crash.</summary>
    [Fact]
    public void Manifests_nested_to_random_depths_in_any_field_are_refused_past_the_limit_and_never_throw() =>
        Gen.Select(Gen.OneOf<string>("options", "tags", "prompt", "image", "extra"), Gen.Int[1, 600], Gen.Bool).Sample((field, depth, objects) =>
        {
            string open = objects ? "{\"a\":" : "[", close = objects ? "}" : "]";
            string nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
            // Built as text: System.Text.Json refuses to write nodes this deep.
            string json = TestManifests.Valid().Without(field).ToJsonString()[..^1] + $",\"{field}\":{nested}}}";
            var validation = Manifests.Validate(Encoding.UTF8.GetBytes(json));
            // No field of a manifest takes a nested value, so each is invalid; past the depth limit, it says so.
            Assert.False(validation.IsValid);
            Assert.NotEmpty(validation.Problems);
            if (depth > Manifests.Limits.MaxJsonDepth)
                Assert.Contains(validation.Problems, p => p.Contains($"at most {Manifests.Limits.MaxJsonDepth} levels deep", StringComparison.Ordinal));
        }, iter: 300, threads: 1);
}
