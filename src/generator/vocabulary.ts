/**
 * The words the generator writes. Every "btg" spelling of an enum is listed in the matching
 * contract's `values` map (checked by test/generator.test.ts), so clean data normalises fully.
 */

export const ENERGY_TYPES = ["wind", "solar", "hydro", "nuclear", "thermal"] as const;
export type EnergyType = (typeof ENERGY_TYPES)[number];

/** Share of each technology in the generated fleet and in what is sold. */
export const ENERGY_WEIGHTS: Readonly<Record<EnergyType, number>> = { wind: 0.25, solar: 0.25, hydro: 0.3, nuclear: 0.05, thermal: 0.15 };

/** How Spanish exports spell each technology: mixed case, with and without accents. */
export const BTG_ENERGY_SPELLINGS: Readonly<Record<EnergyType, readonly string[]>> = {
  wind: ["Eólica", "EOLICA", "eólica", "Eolica", "Eólico"],
  solar: ["Solar", "SOLAR", "solar", "Fotovoltaica"],
  hydro: ["Hidroeléctrica", "hidroeléctrica", "HIDROELECTRICA", "Hídrica", "hidraulica"],
  nuclear: ["Nuclear", "NUCLEAR"],
  thermal: ["Térmica", "TERMICA", "térmica", "Termoeléctrica"],
};

/** Technologies no contract knows: the unknown_enum defect. */
export const UNKNOWN_ENERGY_SPELLINGS = ["geotérmica", "Carbón", "biomasa", "GAS NATURAL", "mareomotriz"];

export const BTG_BUY_SPELLINGS = ["Compra", "COMPRA", "compra"];
export const BTG_SELL_SPELLINGS = ["Venta", "VENTA", "venta"];

export const ID_TYPES = ["cc", "nit", "ce", "passport"] as const;
export type IdType = (typeof ID_TYPES)[number];

export const BTG_ID_TYPE_SPELLINGS: Readonly<Record<IdType, readonly string[]>> = {
  cc: ["CC", "cc", "Cédula", "CEDULA DE CIUDADANIA"],
  nit: ["NIT", "nit"],
  ce: ["CE", "Cédula de extranjería"],
  passport: ["Pasaporte", "PA", "PASAPORTE"],
};

/** The identity types the company's systems export (the "company" style), as they spell them. */
export const COMPANY_ID_TYPES = ["cc", "ti", "nit", "ce", "rc", "passport", "dni"] as const;
export type CompanyIdType = (typeof COMPANY_ID_TYPES)[number];

export const COMPANY_ID_TYPE_SPELLINGS: Readonly<Record<CompanyIdType, readonly string[]>> = {
  cc: ["CC", "C.C.", "CC"],
  ti: ["TI", "T.I."],
  nit: ["NIT"],
  ce: ["CE", "C.E."],
  rc: ["RC", "R.C."],
  passport: ["PA", "PP", "Pasaporte"],
  dni: ["DNI"],
};

/** Transaction types no contract knows: the unknown_enum defect where there is no energy type column (company style). */
export const UNKNOWN_TRANSACTION_TYPE_SPELLINGS = ["Trueque", "PERMUTA", "anulada", "Devolución", "Ajuste"];

export const SEGMENTS = ["residential", "commercial", "industrial"] as const;
export type Segment = (typeof SEGMENTS)[number];

export const BTG_SEGMENT_SPELLINGS: Readonly<Record<Segment, readonly string[]>> = {
  residential: ["Residencial", "RESIDENCIAL", "residencial", "Hogar"],
  commercial: ["Comercial", "COMERCIAL"],
  industrial: ["Industrial", "INDUSTRIAL"],
};

export const CITIES = [
  "Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Pereira", "Manizales",
  "Santa Marta", "Cúcuta", "Ibagué", "Villavicencio", "Pasto", "Montería", "Neiva", "Armenia",
];

export const COUNTRIES = ["Colombia", "Colombia", "Colombia", "España", "Chile", "Perú", "Ecuador", "Panamá", "Brasil", "México"];

export const GIVEN_NAMES = [
  "María", "José", "Luis", "Ana", "Carlos", "Juan", "Andrés", "Laura", "Camila", "Valentina",
  "Santiago", "Sofía", "Diego", "Natalia", "Jorge", "Paula", "Felipe", "Daniela", "Alejandro", "Mónica",
  "María Fernanda", "Juan Camilo", "Luis Alberto", "Ana Isabel", "Carlos Eduardo", "Luz Marina", "Juan Pablo", "María José",
];
export const SURNAMES = [
  "Gómez", "Rodríguez", "Martínez", "López", "García", "Hernández", "Restrepo", "Ramírez", "Torres", "Díaz",
  "Vargas", "Castro", "Muñoz", "Ospina", "Zapata", "Jaramillo", "Quintero", "Peña", "Ríos", "Cárdenas",
];

/** Company names; some carry commas, semicolons or quotes, as real exports do. */
export const COMPANY_STEMS = [
  "Textiles del Valle", "Alimentos La Sabana", "Hotel Las Américas", "Clínica San Rafael", "Ferretería El Tornillo",
  "Panadería La 14", "Cementos del Caribe", "Plásticos Andinos", "Supermercados La Economía", "Colegio Santa Inés",
  "Lácteos del Norte", "Minerales de Boyacá", "Transportes Rápido Ochoa", "Centro Comercial Unicentro", "Frigorífico Guadalupe",
];
export const COMPANY_SUFFIXES = [" S.A.S.", ", S.A.S.", " S.A.", ", S.A.", " Ltda.", "; Sede Norte", " y Cía. S. en C."];
export const QUOTED_COMPANY_NAMES = ['Comercializadora "La Esperanza" Ltda.', 'Distribuidora "El Progreso", S.A.S.'];

export const PROVIDER_PREFIXES: Readonly<Record<EnergyType, readonly string[]>> = {
  wind: ["Eólica", "Parque Eólico", "Vientos"],
  solar: ["Solar", "Granja Solar", "Fotovoltaica"],
  hydro: ["Hidroeléctrica", "Central Hidroeléctrica", "Generadora Hídrica"],
  nuclear: ["Nuclear", "Central Nuclear"],
  thermal: ["Térmica", "Termoeléctrica", "Central Térmica"],
};
export const PROVIDER_PLACES = [
  "del Norte", "de La Guajira", "del Caribe", "Andina", "del Pacífico", "de Oriente", "del Cauca", "de Santander",
  "del Sinú", "de los Llanos", "de Antioquia", "del Magdalena", "de Boyacá", "del Huila",
];
export const PROVIDER_SUFFIXES = [", S.A.", " S.A. E.S.P.", ", S.A. E.S.P.", " S.A.S.", " S.A.S. E.S.P."];

/** Unparsable numbers (bad_number) and dates (bad_date); never a null marker ("N/A" is one: a missing value, not a bad one). */
export const BAD_NUMBERS = ["12x5", "#N/D", "#¡VALOR!", "doce", "1O0"];
export const BAD_DATES = ["31/02/2024", "2024-13-01", "ayer", "32/01/2025", "2025-02-30"];
