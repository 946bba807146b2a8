using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Model.Text;

/// <summary>Reading the tokenizer's JSON files with errors that name the file.</summary>
internal static class TokenizerFiles
{
    public const string TokenizerFileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";

    public static JsonObject ReadJsonObject(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"Malformed tokenizer file '{path}': the top level is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Malformed tokenizer file '{path}': {e.Message}", e);
        }
    }
}
