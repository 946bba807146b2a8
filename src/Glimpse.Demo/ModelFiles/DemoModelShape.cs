using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Demo.ModelFiles;

/// <summary>
/// The sizes of the demo model: a CLIP-style vision tower over an 8 × 8 patch grid, LLaVA's two-layer projector and
/// a Llama decoder, small enough to train on two CPU cores in minutes. <see cref="WriteModelFiles"/> writes them as
/// the Hugging Face files a LLaVA checkpoint folder has, so the model loads with the same code as real checkpoints.
/// </summary>
public sealed record DemoModelShape
{
    public int ImageSize { get; init; } = 128;
    public int PatchSize { get; init; } = 32;
    public int VisionHidden { get; init; } = 128;
    public int VisionLayers { get; init; } = 3;
    public int VisionHeads { get; init; } = 4;
    public int VisionIntermediate { get; init; } = 256;
    public int TextHidden { get; init; } = 128;
    public int TextLayers { get; init; } = 4;
    public int TextHeads { get; init; } = 4;
    public int TextIntermediate { get; init; } = 384;
    /// <summary>
    /// RoPE base. Answers read image tokens 40 to 60 positions back by what they show; with Llama's 10 000 only a few
    /// dimensions of each head rotate slowly enough over that distance to compare content, with 1 000 000 most do
    /// (Qwen2 uses the same base).
    /// </summary>
    public double RopeTheta { get; init; } = 1_000_000;

    public int ImageTokens => ImageSize / PatchSize * (ImageSize / PatchSize);

    /// <summary>
    /// The benchmark's deeper model (glimpse-demo-deep): 192 px images in 32 px patches (a 6 × 6 grid, 36 image tokens)
    /// and an 8-layer decoder, narrower (width 96, MLP 288) so that a step costs little more than the default model's and
    /// it still trains on two CPU cores in an hour.
    /// </summary>
    public static DemoModelShape Deep { get; } = new() { ImageSize = 192, TextLayers = 8, TextHidden = 96, TextIntermediate = 288 };

    /// <summary>The named shapes <c>glimpse train-demo --preset</c> takes.</summary>
    public static DemoModelShape Preset(string name) => name.ToLowerInvariant() switch
    {
        "default" => new DemoModelShape(),
        "deep" => Deep,
        _ => throw new ArgumentException($"Unknown preset '{name}': default or deep."),
    };

    public void Validate()
    {
        if (PatchSize < 8 || ImageSize % PatchSize != 0 || ImageSize / PatchSize < 2)
            throw new ArgumentException($"the image size ({ImageSize}) must be a multiple of the patch size ({PatchSize}, at least 8 px), at least 2 patches a side");
        if (VisionHidden % VisionHeads != 0) throw new ArgumentException($"the vision width ({VisionHidden}) must be a multiple of its heads ({VisionHeads})");
        if (TextHidden % TextHeads != 0) throw new ArgumentException($"the decoder width ({TextHidden}) must be a multiple of its heads ({TextHeads})");
        if (VisionLayers < 1 || TextLayers < 1 || VisionIntermediate < 1 || TextIntermediate < 1) throw new ArgumentException("layers and MLP widths must be positive");
    }

    /// <summary>Writes config.json, preprocessor_config.json, generation_config.json, tokenizer.json and tokenizer_config.json.</summary>
    public void WriteModelFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        Write(folder, "config.json", ConfigJson());
        Write(folder, "preprocessor_config.json", PreprocessorJson());
        Write(folder, "generation_config.json", new JsonObject
        {
            ["bos_token_id"] = DemoVocabulary.BosId,
            ["eos_token_id"] = DemoVocabulary.EosId,
            ["pad_token_id"] = DemoVocabulary.PadId,
        });
        DemoVocabulary.WriteTokenizerFiles(folder);
    }

    private JsonObject ConfigJson() => new()
    {
        ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
        ["model_type"] = "llava",
        ["image_token_index"] = DemoVocabulary.ImageId,
        ["image_seq_length"] = ImageTokens,
        ["pad_token_id"] = DemoVocabulary.PadId,
        ["projector_hidden_act"] = "gelu",
        ["multimodal_projector_bias"] = true,
        // The last CLIP layer: with a tower this shallow, LLaVA's usual -2 would waste a third of it.
        ["vision_feature_layer"] = -1,
        ["vision_feature_select_strategy"] = "default",
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = "float32",
        ["text_config"] = new JsonObject
        {
            ["model_type"] = "llama",
            ["vocab_size"] = DemoVocabulary.Tokens.Count,
            ["hidden_size"] = TextHidden,
            ["intermediate_size"] = TextIntermediate,
            ["num_hidden_layers"] = TextLayers,
            ["num_attention_heads"] = TextHeads,
            ["num_key_value_heads"] = TextHeads,
            ["head_dim"] = TextHidden / TextHeads,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = RopeTheta,
            ["max_position_embeddings"] = DemoVocabulary.ModelMaxLength,
            ["bos_token_id"] = DemoVocabulary.BosId,
            ["eos_token_id"] = DemoVocabulary.EosId,
            ["pad_token_id"] = DemoVocabulary.PadId,
            ["tie_word_embeddings"] = false,
        },
        ["vision_config"] = new JsonObject
        {
            ["model_type"] = "clip_vision_model",
            ["hidden_size"] = VisionHidden,
            ["intermediate_size"] = VisionIntermediate,
            ["num_hidden_layers"] = VisionLayers,
            ["num_attention_heads"] = VisionHeads,
            ["image_size"] = ImageSize,
            ["patch_size"] = PatchSize,
            ["num_channels"] = 3,
            ["hidden_act"] = "quick_gelu",
            ["layer_norm_eps"] = 1e-5,
            ["projection_dim"] = VisionHidden,
        },
    };

    /// <summary>CLIPImageProcessor at the scene size: the resize and crop leave a scene as it is; CLIP's mean and std.</summary>
    private JsonObject PreprocessorJson() => new()
    {
        ["image_processor_type"] = "CLIPImageProcessor",
        ["do_resize"] = true,
        ["size"] = new JsonObject { ["shortest_edge"] = ImageSize },
        ["resample"] = 3,
        ["do_center_crop"] = true,
        ["crop_size"] = new JsonObject { ["height"] = ImageSize, ["width"] = ImageSize },
        ["do_convert_rgb"] = true,
        ["do_rescale"] = true,
        ["rescale_factor"] = 1.0 / 255,
        ["do_normalize"] = true,
        ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
        ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
    };

    private static void Write(string folder, string name, JsonObject json) =>
        File.WriteAllText(Path.Combine(folder, name), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
