package typegen

import (
	"encoding/json"

	"github.com/loamcms/cms/models"
)

// OpenAPI returns spec (an OpenAPI 3.1 document whose delivery routes are
// /api/content/{type} and /api/content/{type}/{slug}) with, for each of
// types, a schema of its delivery item (<Name>Item) and of its entry data
// (<Name>Data), and the two delivery routes of that type as paths of their
// own answering those items: a generated client gets title: string, not
// unknown.
func OpenAPI(spec []byte, types []models.ContentType) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(spec, &doc); err != nil {
		return nil, err
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	paths := doc["paths"].(map[string]any)
	for _, t := range types {
		name := typeName(t.Key)
		schemas[name+"Item"] = itemSchema(t, types)
		schemas[name+"Data"] = dataSchema(t)
		ref := map[string]any{"$ref": "#/components/schemas/" + name + "Item"}
		if op, ok := typedOp(paths, "/api/content/{type}", "deliverList"+name, map[string]any{"type": "array", "items": ref}); ok {
			paths["/api/content/"+t.Key] = op
		}
		if op, ok := typedOp(paths, "/api/content/{type}/{slug}", "deliverOne"+name, ref); ok {
			paths["/api/content/"+t.Key+"/{slug}"] = op
		}
	}
	return json.Marshal(doc)
}

// typedOp copies the generic delivery route at path for one type: no type
// parameter, its own operation id, and data of the type's items.
func typedOp(paths map[string]any, path, id string, data any) (map[string]any, bool) {
	generic, ok := paths[path].(map[string]any)
	if !ok {
		return nil, false
	}
	var item map[string]any
	b, _ := json.Marshal(generic) // a deep copy, changed below
	json.Unmarshal(b, &item)
	get := item["get"].(map[string]any)
	get["operationId"] = id
	var params []any
	for _, p := range get["parameters"].([]any) {
		if pm, ok := p.(map[string]any); !ok || pm["name"] != "type" || pm["in"] != "path" {
			params = append(params, p)
		}
	}
	get["parameters"] = params
	schema := get["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	schema["properties"].(map[string]any)["data"] = data
	return item, true
}

func itemSchema(t models.ContentType, types []models.ContentType) map[string]any {
	props := map[string]any{
		"id":           map[string]any{"type": "string"},
		"type":         map[string]any{"const": t.Key},
		"slug":         map[string]any{"type": "string"},
		"locale":       map[string]any{"type": "string"},
		"published_at": map[string]any{"type": []string{"string", "null"}, "format": "date-time"},
		"updated_at":   map[string]any{"type": "string", "format": "date-time"},
	}
	for _, f := range t.Fields {
		props[f.Name] = itemFieldSchema(f, types)
	}
	// Only id: fields= may leave any other key out.
	return map[string]any{"type": "object", "description": t.Name + ", as the delivery API answers it", "required": []string{"id"}, "properties": props}
}

func dataSchema(t models.ContentType) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range t.Fields {
		props[f.Name] = dataFieldSchema(f)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	return map[string]any{"type": "object", "description": t.Name + ": the data of an entry on the management API", "required": required, "properties": props}
}

func dataFieldSchema(f models.Field) map[string]any {
	s := map[string]any{}
	if f.Label != "" {
		s["title"] = f.Label
	}
	if f.Help != "" {
		s["description"] = f.Help
	}
	switch f.Type {
	case models.FieldNumber:
		s["type"] = "number"
	case models.FieldInteger:
		s["type"] = "integer"
	case models.FieldBoolean:
		s["type"] = "boolean"
	case models.FieldSelect:
		s["type"] = "string"
		if len(f.Options) > 0 {
			s["enum"] = f.Options
		}
	case models.FieldDate:
		s["type"], s["format"] = "string", "date"
	case models.FieldDateTime:
		s["type"], s["format"] = "string", "date-time"
	case models.FieldRelation:
		if f.Many {
			s["type"], s["items"] = "array", map[string]any{"type": "string"}
		} else {
			s["type"] = "string"
		}
	case models.FieldJSON:
		// any JSON value
	default: // text, markdown, rich text (HTML), media (its id)
		s["type"] = "string"
	}
	if f.Min != nil && (f.Type == models.FieldNumber || f.Type == models.FieldInteger) {
		s["minimum"] = *f.Min
	}
	if f.Max != nil && (f.Type == models.FieldNumber || f.Type == models.FieldInteger) {
		s["maximum"] = *f.Max
	}
	return s
}

// itemFieldSchema is a field on the delivery API: media expanded,
// relations ids or, with include=, the related items.
func itemFieldSchema(f models.Field, types []models.ContentType) map[string]any {
	switch f.Type {
	case models.FieldMedia:
		return map[string]any{"oneOf": []any{map[string]any{"$ref": "#/components/schemas/PublicMedia"}, map[string]any{"type": "null"}}}
	case models.FieldRelation:
		one := map[string]any{"type": "string"}
		for _, t := range types {
			if t.Key == f.To {
				one = map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"$ref": "#/components/schemas/" + typeName(t.Key) + "Item"}}}
			}
		}
		if f.Many {
			return map[string]any{"type": "array", "items": one}
		}
		return one
	}
	return dataFieldSchema(f)
}
